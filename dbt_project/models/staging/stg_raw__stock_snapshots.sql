-- One row per reported snapshot row; re-delivered snapshots keep every row (deduplicated later).
select
    snapshot_date,
    location_id,
    sku,
    on_hand,
    -- NULL = the location does not report reservations (only Amazon does)
    reserved,
    unsellable,
    -- the moment the figures describe (ingestion defaults it to the start of snapshot_date)
    snapshot_at,
    -- NULL = the location does not report what is on its way to it (Amazon's snapshots do)
    inbound,
    inbound_planned,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('raw', 'stock_snapshots') }}
