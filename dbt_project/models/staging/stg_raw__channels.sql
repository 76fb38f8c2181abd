select
    channel,
    buffer_pct,
    buffer_units,
    fulfillment_cost_per_unit,
    commission_pct,
    allocation_mode,
    priority,
    country
from {{ source('raw', 'channels') }}
