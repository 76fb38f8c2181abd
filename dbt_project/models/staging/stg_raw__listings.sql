select
    channel,
    listing_sku,
    sku,
    units_per_listing
from {{ source('raw', 'listings') }}
