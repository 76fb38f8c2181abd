select
    channel,
    sku,
    start_date,
    end_date,
    discount_pct
from {{ source('raw', 'promotions') }}
