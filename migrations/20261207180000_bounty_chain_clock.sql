-- The read model's clock (nexus-bounty): the timestamp of the newest block the service knows to be
-- confirmed, one row. Deadlines close when a confirmed block passes them, also for a bounty that
-- gets no event of its own at that moment (an open bounty nobody commits to expires; a revealing
-- one becomes resolving). Every life-cycle rebuild applies it after the stored inputs, so a
-- retraction or a late event never reopens a window the chain has closed. It only moves forward.
CREATE TABLE bounty.chain_clock (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    block_time bigint NOT NULL CHECK (block_time >= 0)
);
INSERT INTO bounty.chain_clock (id, block_time) VALUES (true, 0);
