-- The days each location that sells to customers started without a sellable unit of a SKU: by
-- its snapshot dated that day or, when it sent none, its latest snapshot of the previous
-- `stock_carry_forward_days` days (as marts.fct_daily_stock counts a location). Older than that
-- its stock is unknown and the day is not listed: a day without data is not a stockout.
-- The replenishment plan measures each location's share of its region's demand on the days it
-- could serve, so that orders re-routed while it was out of stock do not shrink its share.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

snapshots as (

    -- each snapshot describes its day and the next ones until the location's next snapshot,
    -- for at most var('stock_carry_forward_days') days after it
    select
        sku,
        location_id,
        snapshot_date,
        sellable <= 0 as is_empty,
        least(
            coalesce(lead(snapshot_date) over (
                partition by sku, location_id order by snapshot_date, anchor_at
            ), snapshot_date + {{ var('stock_carry_forward_days') }} + 1),
            snapshot_date + {{ var('stock_carry_forward_days') }} + 1
        ) as valid_until
    from {{ ref('int_selling_location_snapshots') }}

),

empty_days as (

    select
        cast(snapshots.snapshot_date + cast(offsets.i as integer) as date) as date,
        snapshots.sku,
        snapshots.location_id,
        snapshots.snapshot_date
    from snapshots
    cross join generate_series(0, {{ var('stock_carry_forward_days') }}) as offsets(i)
    where snapshots.is_empty
        and snapshots.snapshot_date + cast(offsets.i as integer) < snapshots.valid_until

)

select empty_days.date, empty_days.sku, empty_days.location_id, empty_days.snapshot_date
from empty_days
cross join as_of
where empty_days.date <= as_of.as_of
