-- One row per order line status record, as loaded (ingestion applies the contract's defaults).
select
    order_id,
    line_id,
    ordered_at,
    channel,
    listing_sku,
    quantity,
    status as line_status,
    updated_at,
    unit_price as listing_unit_price,
    currency,
    ship_region,
    fulfilled_from,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('raw', 'orders') }}
