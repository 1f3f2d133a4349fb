-- Candidates of similar-file search ($1 sha256, $2 imphash, $3 cap per index): only index
-- lookups. Kept in a file so the store runs it checked (query_file_as!) and a test can EXPLAIN
-- the very same text.
WITH candidates AS (
    (SELECT other.sha256 FROM analysis.ssdeep_ngrams mine
     JOIN analysis.ssdeep_ngrams other
       ON other.block_size = mine.block_size AND other.ngram = mine.ngram
     WHERE mine.sha256 = $1 AND other.sha256 <> $1 LIMIT $3)
    UNION
    (SELECT other.sha256 FROM analysis.tlsh_bands mine
     JOIN analysis.tlsh_bands other ON other.band = mine.band AND other.value = mine.value
     WHERE mine.sha256 = $1 AND other.sha256 <> $1 LIMIT $3)
    UNION
    (SELECT sha256 FROM analysis.samples WHERE imphash = $2 AND sha256 <> $1 LIMIT $3)
)
SELECT s.sha256, s.ssdeep, s.tlsh, s.imphash FROM analysis.samples s
JOIN candidates c ON c.sha256 = s.sha256
