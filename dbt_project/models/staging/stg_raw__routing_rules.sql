select
    channel,
    "rank" as routing_rank,
    location_id
from {{ source('raw', 'routing_rules') }}
