-- One row per reported stock count row.
select
    counted_at,
    location_id,
    sku,
    counted_quantity,
    reason,
    counted_by,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('raw', 'adjustments') }}
