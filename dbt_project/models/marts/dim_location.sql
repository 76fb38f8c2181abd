select
    location_id,
    location_type,
    operator,
    region,
    channels,
    channels <> '' as fulfils_customers,
    location_name,
    country,
    storage_cost_per_unit_month,
    capacity_units
from {{ ref('stg_raw__locations') }}
