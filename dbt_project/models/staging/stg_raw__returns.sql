-- One row per return status record.
select
    return_id,
    order_id,
    channel,
    listing_sku,
    quantity,
    status as return_status,
    updated_at,
    -- NULL = the location that fulfilled the order (resolved in int_returns)
    location_id,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('raw', 'returns') }}
