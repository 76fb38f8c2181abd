-- One row per return (return_id, listing_sku) x component sku: its latest record as of the
-- as-of day, exploded like an order line, at the location receiving it.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

records_known_as_of as (

    select records.*
    from {{ ref('stg_raw__returns') }} as records
    cross join as_of
    where records.updated_at < as_of.cutoff_at

),

records_ranked as (

    select
        *,
        row_number() over (
            partition by return_id, listing_sku
            order by {{ latest_first('updated_at') }}
        ) as recency_rank
    from records_known_as_of

),

latest_records as (

    select * from records_ranked where recency_rank = 1

),

restock_moments as (

    -- the units go back on the shelf at the first restocked record
    select return_id, listing_sku, min(updated_at) as restocked_at
    from records_known_as_of
    where return_status = 'restocked'
    group by return_id, listing_sku

),

original_line_locations as (

    -- the order line the units came from; several lines of one listing in one order ship
    -- from one location in practice, the first line decides
    select order_id, channel, listing_sku, location_id
    from (
        select
            order_id,
            channel,
            listing_sku,
            location_id,
            row_number() over (
                partition by order_id, channel, listing_sku order by {{ binary_sorted('line_id') }}
            ) as line_rank
        from {{ ref('int_order_lines') }}
    ) as ranked_lines
    where line_rank = 1

)

select
    latest_records.return_id,
    latest_records.listing_sku,
    listings.sku,
    latest_records.order_id,
    latest_records.channel,
    latest_records.quantity,
    cast(latest_records.quantity * listings.units_per_listing as bigint) as units,
    latest_records.return_status,
    latest_records.updated_at,
    coalesce(latest_records.location_id, original_line_locations.location_id) as location_id,
    case when latest_records.return_status = 'restocked' then restock_moments.restocked_at end
        as restocked_at
from latest_records
inner join {{ ref('stg_raw__listings') }} as listings
    on latest_records.channel = listings.channel
    and latest_records.listing_sku = listings.listing_sku
left join original_line_locations
    on latest_records.order_id = original_line_locations.order_id
    and latest_records.channel = original_line_locations.channel
    and latest_records.listing_sku = original_line_locations.listing_sku
left join restock_moments
    on latest_records.return_id = restock_moments.return_id
    and latest_records.listing_sku = restock_moments.listing_sku
