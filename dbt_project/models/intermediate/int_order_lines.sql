-- One row per order line (order_id, line_id): its latest record as of the as-of day, where it
-- ships from and when it shipped.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

records_known_as_of as (

    -- a past as_of reproduces that day's picture: later records do not exist yet
    select records.*
    from {{ ref('stg_raw__orders') }} as records
    cross join as_of
    where records.updated_at < as_of.cutoff_at

),

records_ranked as (

    select
        *,
        row_number() over (
            partition by order_id, line_id
            order by {{ latest_first('updated_at') }}
        ) as recency_rank
    from records_known_as_of

),

latest_records as (

    select * from records_ranked where recency_rank = 1

),

ship_moments as (

    -- units leave the location at the first record saying so; later delivered/returned
    -- records of the same line do not move them again
    select
        order_id,
        line_id,
        min(updated_at) as shipped_at
    from records_known_as_of
    where line_status in {{ sql_value_list(var('shipped_order_statuses')) }}
    group by order_id, line_id

),

close_moments as (

    -- the moment a line stopped holding a reservation: its first record that is no longer
    -- pending or paid (shipped, cancelled ...)
    select
        order_id,
        line_id,
        min(updated_at) as closed_at
    from records_known_as_of
    where line_status not in {{ sql_value_list(var('open_order_statuses')) }}
    group by order_id, line_id

),

first_routing_rules as (

    select channel, location_id
    from (
        select
            channel,
            location_id,
            row_number() over (partition by channel order by routing_rank) as preference
        from {{ ref('stg_raw__routing_rules') }}
    ) as ranked_rules
    where preference = 1

)

select
    latest_records.order_id,
    latest_records.line_id,
    latest_records.ordered_at,
    latest_records.channel,
    latest_records.listing_sku,
    latest_records.quantity,
    latest_records.line_status,
    latest_records.updated_at,
    latest_records.listing_unit_price,
    latest_records.currency,
    latest_records.ship_region,
    latest_records.fulfilled_from,
    coalesce(latest_records.fulfilled_from, first_routing_rules.location_id) as location_id,
    latest_records.line_status in {{ sql_value_list(var('open_order_statuses')) }} as is_open,
    latest_records.line_status in {{ sql_value_list(var('shipped_order_statuses')) }} as is_shipped,
    latest_records.line_status = 'cancelled' as is_cancelled,
    ship_moments.shipped_at,
    close_moments.closed_at
from latest_records
left join first_routing_rules
    on latest_records.channel = first_routing_rules.channel
left join ship_moments
    on latest_records.order_id = ship_moments.order_id
    and latest_records.line_id = ship_moments.line_id
left join close_moments
    on latest_records.order_id = close_moments.order_id
    and latest_records.line_id = close_moments.line_id
