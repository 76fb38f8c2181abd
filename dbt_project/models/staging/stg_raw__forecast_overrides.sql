select
    sku,
    start_date,
    end_date,
    units_per_day,
    multiplier,
    note
from {{ source('raw', 'forecast_overrides') }}
