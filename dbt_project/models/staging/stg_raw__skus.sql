select
    sku,
    title,
    category,
    unit_cost,
    unit_price,
    case_pack,
    moq,
    supplier_id,
    production_lead_time_days,
    launch_date,
    status as sku_status
from {{ source('raw', 'skus') }}
