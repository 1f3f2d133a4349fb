//! The report as a PDF, written with `pdf-writer` in pure Rust: no browser, no font file. It
//! uses four of the standard fonts every reader has (Helvetica, Helvetica-Bold for headings,
//! Courier and Courier-Bold for data) in WinAnsiEncoding, so text is one byte a character: Latin-1 and the
//! usual typographic marks print as themselves and anything else as `?` ([`win_ansi`]).
//!
//! Layout: page 1 is the summary, the details start on page 2. Data is set in Courier, whose
//! every glyph is 0.6 em wide, so a line's width is known exactly and long values wrap instead
//! of running off the page; a page break falls between lines (a heading is never left alone at
//! the foot of a page), so no line is lost. The document stops at [`MAX_PAGES`] and says so.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{Document, Table};

/// Pages at most; the last one says the rest is in the HTML and JSON reports.
pub const MAX_PAGES: usize = 150;

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 48.0;
/// The lowest baseline a body line may sit on (above the footer).
const BOTTOM: f32 = MARGIN + 18.0;
const BODY_SIZE: f32 = 8.5;
const LEADING: f32 = 11.0;
/// Characters of Courier at [`BODY_SIZE`] on one line.
const LINE_CHARS: usize = ((PAGE_WIDTH - 2.0 * MARGIN) / (0.6 * BODY_SIZE)) as usize;
/// Width kept for the label column of a key-value table.
const LABEL_CHARS: usize = 22;
/// The narrowest last column a table may be laid out in columns with.
const MIN_LAST_COLUMN: usize = 24;

#[derive(Debug, Clone, Copy)]
enum Font {
    Regular,
    Bold,
    Mono,
    MonoBold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Self::Regular => Name(b"F1"),
            Self::Bold => Name(b"F2"),
            Self::Mono => Name(b"F3"),
            Self::MonoBold => Name(b"F4"),
        }
    }
}

/// One thing drawn on a page.
#[derive(Debug, Clone)]
enum Op {
    Text {
        font: Font,
        size: f32,
        x: f32,
        y: f32,
        text: Vec<u8>,
        white: bool,
    },
    Fill {
        rect: (f32, f32, f32, f32),
        rgb: (f32, f32, f32),
    },
}

/// Lines placed on pages, breaking to a new page when one is full.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
    full: bool,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN,
            full: false,
        }
    }

    fn new_page(&mut self) {
        if self.pages.len() >= MAX_PAGES {
            if !self.full {
                self.full = true;
                // The last line of the last page says where the rest is (room was kept for it).
                self.y = BOTTOM;
                self.text(
                    Font::Bold,
                    BODY_SIZE,
                    MARGIN,
                    &win_ansi(&format!(
                        "The PDF stops at {MAX_PAGES} pages; the HTML and JSON reports have the rest."
                    )),
                );
            }
            return;
        }
        self.pages.push(Vec::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// Room for `height` points below the current line, or a new page.
    fn ensure(&mut self, height: f32) {
        // On the last page, one line is kept for the "stops here" note.
        let floor = if self.pages.len() >= MAX_PAGES {
            BOTTOM + LEADING
        } else {
            BOTTOM
        };
        if self.y - height < floor {
            self.new_page();
        }
    }

    fn text(&mut self, font: Font, size: f32, x: f32, text: &[u8]) {
        if let Some(page) = self.pages.last_mut() {
            page.push(Op::Text {
                font,
                size,
                x,
                y: self.y,
                text: text.to_vec(),
                white: false,
            });
        }
    }

    /// One body line in `font`, after a page break if needed.
    fn line(&mut self, font: Font, text: &[u8]) {
        self.ensure(LEADING);
        if self.full {
            return;
        }
        self.y -= LEADING;
        self.text(font, BODY_SIZE, MARGIN, text);
    }

    /// A heading, kept on the page of the two lines after it.
    fn heading(&mut self, title: &str, size: f32) {
        self.ensure(size + 6.0 + 2.0 * LEADING);
        if self.full {
            return;
        }
        self.y -= size + 6.0;
        self.text(Font::Bold, size, MARGIN, &win_ansi(title));
        self.y -= 3.0;
    }

    /// `text` wrapped to the line width, continuation lines indented by `indent` characters.
    fn paragraph(&mut self, font: Font, text: &str, indent: usize) {
        for line in wrap(&win_ansi(text), LINE_CHARS, indent) {
            self.line(font, &line);
        }
    }
}

/// The PDF of `document`.
pub fn render(document: &Document) -> Vec<u8> {
    let mut layout = Layout::new();
    summary(&mut layout, document);
    layout.new_page();
    layout.heading("Details", 14.0);
    for table in &document.details {
        write_table(&mut layout, table);
    }
    write_pdf(document, layout.pages)
}

fn summary(layout: &mut Layout, document: &Document) {
    layout.heading("Nexus Security analysis report", 16.0);
    layout.paragraph(Font::Mono, &document.title, 0);
    // The verdict hint as a coloured badge.
    layout.y -= 22.0;
    let rgb = match document.verdict {
        "malicious" => (0.71, 0.14, 0.09),
        "suspicious" => (0.71, 0.28, 0.03),
        "benign" => (0.10, 0.50, 0.22),
        _ => (0.34, 0.38, 0.42),
    };
    let label = format!(
        "{}  score {}/100",
        document.verdict.to_uppercase(),
        document.score
    );
    if let Some(page) = layout.pages.last_mut() {
        page.push(Op::Fill {
            rect: (
                MARGIN,
                layout.y - 5.0,
                8.0 * label.len() as f32 + 16.0,
                20.0,
            ),
            rgb,
        });
        page.push(Op::Text {
            font: Font::Bold,
            size: 12.0,
            x: MARGIN + 8.0,
            y: layout.y,
            text: win_ansi(&label),
            white: true,
        });
    }
    layout.y -= 10.0;
    layout.paragraph(
        Font::Regular,
        "The static engine's hint; the platform's verdict comes from staked analyst assertions.",
        0,
    );
    layout.heading("Summary", 12.0);
    let rows: Vec<Vec<String>> = document
        .facts
        .iter()
        .map(|(label, value)| vec![(*label).to_owned(), value.clone()])
        .collect();
    key_values(layout, &rows);
    for table in &document.summary {
        write_table(layout, table);
    }
}

fn write_table(layout: &mut Layout, table: &Table) {
    layout.heading(&table.title, 11.0);
    if table.rows.is_empty() {
        if !table.empty.is_empty() {
            layout.paragraph(Font::Regular, table.empty, 0);
        }
    } else if table.columns.is_empty() {
        key_values(layout, &table.rows);
    } else {
        columns(layout, table);
    }
    for note in table.note.iter().cloned().chain(table.omitted_note()) {
        layout.paragraph(Font::Regular, &note, 2);
    }
}

/// Label, then the value wrapped in the rest of the line.
fn key_values(layout: &mut Layout, rows: &[Vec<String>]) {
    for row in rows {
        let label = win_ansi(row.first().map(String::as_str).unwrap_or_default());
        let value = win_ansi(&row.get(1..).map(|rest| rest.join(" ")).unwrap_or_default());
        let mut label = label.into_iter().take(LABEL_CHARS - 1).collect::<Vec<u8>>();
        label.resize(LABEL_CHARS, b' ');
        for (index, line) in wrap(&value, LINE_CHARS - LABEL_CHARS, 0)
            .into_iter()
            .enumerate()
        {
            let mut text = if index == 0 {
                label.clone()
            } else {
                vec![b' '; LABEL_CHARS]
            };
            text.extend(line);
            layout.line(Font::Mono, &text);
        }
    }
}

/// Fixed-width columns with the last one wrapping, when the others fit; otherwise each row
/// as `a | b | c` wrapped with a hanging indent.
fn columns(layout: &mut Layout, table: &Table) {
    let cells: Vec<Vec<Vec<u8>>> = table
        .rows
        .iter()
        .map(|row| row.iter().map(|cell| win_ansi(cell)).collect())
        .collect();
    let count = table.columns.len();
    let widths: Vec<usize> = (0..count.saturating_sub(1))
        .map(|column| {
            cells
                .iter()
                .filter_map(|row| row.get(column).map(Vec::len))
                .chain([table.columns[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let used: usize = widths.iter().map(|width| width + 2).sum();
    if used + MIN_LAST_COLUMN <= LINE_CHARS {
        let last = LINE_CHARS - used;
        let header: Vec<Vec<u8>> = table.columns.iter().map(|name| win_ansi(name)).collect();
        // Courier-Bold has Courier's widths, so the header lines up with the rows.
        for (row, font) in std::iter::once((&header, Font::MonoBold))
            .chain(cells.iter().map(|row| (row, Font::Mono)))
        {
            let mut prefix = Vec::with_capacity(used);
            for (column, width) in widths.iter().enumerate() {
                let mut cell = row.get(column).cloned().unwrap_or_default();
                cell.resize(width + 2, b' ');
                prefix.extend(cell);
            }
            let tail = row.get(count - 1).cloned().unwrap_or_default();
            for (index, line) in wrap(&tail, last, 0).into_iter().enumerate() {
                let mut text = if index == 0 {
                    prefix.clone()
                } else {
                    vec![b' '; used]
                };
                text.extend(line);
                layout.line(font, &text);
            }
        }
    } else {
        layout.paragraph(Font::MonoBold, &table.columns.join(" | "), 2);
        for row in &table.rows {
            layout.paragraph(Font::Mono, &row.join(" | "), 2);
        }
    }
}

/// `text` in lines of at most `width` bytes, breaking after a space in the second half of a
/// line when there is one; lines after the first start with `indent` spaces. Never empty.
pub(super) fn wrap(text: &[u8], width: usize, indent: usize) -> Vec<Vec<u8>> {
    let width = width.max(indent + 8);
    let mut lines = Vec::new();
    let mut rest = text;
    loop {
        let room = if lines.is_empty() {
            width
        } else {
            width - indent
        };
        let mut line = if lines.is_empty() {
            Vec::new()
        } else {
            vec![b' '; indent]
        };
        if rest.len() <= room {
            line.extend_from_slice(rest);
            lines.push(line);
            return lines;
        }
        let cut = rest[..room]
            .iter()
            .rposition(|byte| *byte == b' ')
            .filter(|space| *space >= room / 2)
            .map_or(room, |space| space + 1);
        line.extend_from_slice(&rest[..cut]);
        lines.push(line);
        rest = &rest[cut..];
    }
}

/// `text` in WinAnsiEncoding, one byte a character: ASCII and Latin-1 as themselves, the
/// typographic marks WinAnsi has at 0x80-0x9F, anything else (and control characters) `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|character| match character {
            ' '..='~' => character as u8,
            '\u{a0}'..='\u{ff}' => character as u32 as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            _ => b'?',
        })
        .collect()
}

/// The file: catalog, page tree, info, the four fonts, then each page and its content with
/// a footer `page n of m`.
fn write_pdf(document: &Document, pages: Vec<Vec<Op>>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let fonts = [
        (Font::Regular, Ref::new(4), "Helvetica"),
        (Font::Bold, Ref::new(5), "Helvetica-Bold"),
        (Font::Mono, Ref::new(6), "Courier"),
        (Font::MonoBold, Ref::new(7), "Courier-Bold"),
    ];
    let page_ref = |index: usize| Ref::new(8 + 2 * index as i32);
    let content_ref = |index: usize| Ref::new(9 + 2 * index as i32);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..pages.len()).map(page_ref))
        .count(pages.len() as i32);
    pdf.document_info(info)
        .title(TextStr(&document.title))
        .producer(TextStr("Nexus Security"));
    for (_, id, base) in fonts {
        pdf.type1_font(id)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let total = pages.len();
    for (index, ops) in pages.into_iter().enumerate() {
        let mut page = pdf.page(page_ref(index));
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(content_ref(index));
        let mut resources = page.resources();
        let mut names = resources.fonts();
        for (font, id, _) in fonts {
            names.pair(font.name(), id);
        }
        names.finish();
        resources.finish();
        page.finish();

        let mut content = Content::new();
        for op in ops {
            draw(&mut content, op);
        }
        draw(
            &mut content,
            Op::Text {
                font: Font::Regular,
                size: 8.0,
                x: MARGIN,
                y: MARGIN - 4.0,
                text: win_ansi(&format!(
                    "Nexus Security - {} - page {} of {total}",
                    document.title,
                    index + 1
                )),
                white: false,
            },
        );
        pdf.stream(content_ref(index), &content.finish());
    }
    pdf.finish()
}

fn draw(content: &mut Content, op: Op) {
    match op {
        Op::Text {
            font,
            size,
            x,
            y,
            text,
            white,
        } => {
            content.begin_text();
            if white {
                content.set_fill_rgb(1.0, 1.0, 1.0);
            }
            content
                .set_font(font.name(), size)
                .next_line(x, y)
                .show(Str(&text));
            if white {
                content.set_fill_gray(0.0);
            }
            content.end_text();
        }
        Op::Fill {
            rect: (x, y, width, height),
            rgb: (r, g, b),
        } => {
            content
                .set_fill_rgb(r, g, b)
                .rect(x, y, width, height)
                .fill_nonzero()
                .set_fill_gray(0.0);
        }
    }
}
