select
    location_id,
    type as location_type,
    operator,
    region,
    -- '|'-separated channel list; empty = replenishes other locations only
    channels,
    name as location_name,
    country,
    storage_cost_per_unit_month,
    capacity_units
from {{ source('raw', 'locations') }}
