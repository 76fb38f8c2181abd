-- Amazon's latest Restock Inventory report per FBA location as of the as-of day: one row per
-- sku (a report delivered again replaces the earlier delivery).
with as_of as (

    select * from {{ ref('int_as_of') }}

),

deliveries as (

    select
        restock.*,
        row_number() over (
            partition by report_date, location_id, sku
            order by {{ latest_first() }}
        ) as delivery_rank
    from {{ ref('stg_raw__amazon_restock') }} as restock
    cross join as_of
    where restock.reported_at < as_of.cutoff_at

),

latest_reports as (

    select location_id, max(report_date) as report_date
    from deliveries
    group by location_id

)

select
    deliveries.report_date,
    deliveries.reported_at,
    deliveries.location_id,
    deliveries.sku,
    deliveries.recommended_quantity,
    deliveries.recommended_ship_date,
    deliveries.recommended_action,
    deliveries.alert,
    deliveries.available,
    deliveries.inbound,
    deliveries.units_sold_30d,
    deliveries.days_of_supply
from deliveries
inner join latest_reports
    on deliveries.location_id = latest_reports.location_id
    and deliveries.report_date = latest_reports.report_date
where deliveries.delivery_rank = 1
