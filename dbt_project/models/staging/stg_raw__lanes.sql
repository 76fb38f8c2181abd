select
    origin_id,
    destination_id,
    mode,
    transit_days,
    transit_days_std,
    cost_per_unit,
    status as lane_status,
    order_cost,
    co2e_kg_per_unit
from {{ source('raw', 'lanes') }}
