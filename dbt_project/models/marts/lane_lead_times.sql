-- Per lane of the reference file: the transit time and spread the replenishment plan and the
-- policy backtest use, learned from the shipments the lane actually delivered. The one place
-- this rule lives (docs/operations.md, "Lead times learned from receipts").
--
-- The stated lane is a prior worth var('lead_time_prior_shipments') shipments (k): with n
-- shipments received over the last var('lead_time_lookback_days') days, the mean is
-- (k·stated + n·observed) / (k + n) and the variance that of the k pseudo-shipments and the n
-- receipts pooled, between-means term included: a lane whose receipts disagree with its stated
-- time is less certain than either says. No receipts: the stated figures, unchanged.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

lanes as (

    select origin_id, destination_id, mode, transit_days, transit_days_std
    from {{ ref('stg_raw__lanes') }}

),

received_lines as (

    -- fractional days: whole days would move a 2-day truck lane by up to half its mean
    select
        lines.shipment_id,
        lines.origin_id,
        lines.destination_id,
        lines.mode,
        cast(extract(epoch from (lines.arrived_at - lines.shipped_at)) as double precision) / 86400
            as transit_days
    from {{ ref('int_shipment_lines') }} as lines
    cross join as_of
    where lines.shipment_status = 'received'
        and lines.arrived_at < as_of.cutoff_at
        and lines.arrived_at >= cast(as_of.as_of + 1 - {{ var('lead_time_lookback_days') }} as timestamp)

),

judged_lines as (

    -- a receipt more than var('lead_time_outlier_ratio') times faster or slower than the
    -- stated lane (or not after its departure) is a data error — a wrong date, a receipt
    -- recorded long after it arrived — not the lane's behaviour
    select
        received_lines.*,
        received_lines.transit_days > 0
            and received_lines.transit_days >= lanes.transit_days / {{ var('lead_time_outlier_ratio') }}
            and received_lines.transit_days <= lanes.transit_days * {{ var('lead_time_outlier_ratio') }}
            as is_plausible
    from received_lines
    inner join lanes
        on received_lines.origin_id = lanes.origin_id
        and received_lines.destination_id = lanes.destination_id
        and received_lines.mode = lanes.mode

),

shipments as (

    -- a shipment counts once however many SKU lines it carries: the mean of its plausible
    -- lines (lines of one container arrive together; partial receipts average out)
    select
        shipment_id,
        origin_id,
        destination_id,
        mode,
        avg(case when is_plausible then transit_days end) as transit_days
    from judged_lines
    group by shipment_id, origin_id, destination_id, mode

),

observed as (

    -- population variance (divide by n): the pooled variance below is then exact
    select
        origin_id,
        destination_id,
        mode,
        count(transit_days) as n_received,
        count(*) - count(transit_days) as n_ignored,
        avg(transit_days) as observed_mean,
        var_pop(transit_days) as observed_var
    from shipments
    group by origin_id, destination_id, mode

),

combined as (

    select
        lanes.origin_id,
        lanes.destination_id,
        lanes.mode,
        lanes.transit_days as stated_transit_days,
        lanes.transit_days_std as stated_transit_days_std,
        coalesce(observed.n_received, 0) as n_received,
        coalesce(observed.n_ignored, 0) as n_ignored,
        observed.observed_mean,
        observed.observed_var,
        cast({{ var('lead_time_prior_shipments') }} as double precision) as k
    from lanes
    left join observed
        on lanes.origin_id = observed.origin_id
        and lanes.destination_id = observed.destination_id
        and lanes.mode = observed.mode

),

learned as (

    select
        *,
        (k * stated_transit_days + n_received * observed_mean) / (k + n_received) as learned_mean
    from combined
    where n_received > 0

),

learned_spread as (

    select
        origin_id,
        destination_id,
        mode,
        learned_mean,
        sqrt((
            k * power(coalesce(stated_transit_days_std, 0), 2)
            + n_received * observed_var
            + k * power(stated_transit_days - learned_mean, 2)
            + n_received * power(observed_mean - learned_mean, 2)
        ) / (k + n_received)) as learned_std
    from learned

)

select
    as_of.as_of,
    combined.origin_id,
    combined.destination_id,
    combined.mode,
    coalesce(learned_spread.learned_mean, combined.stated_transit_days) as transit_days,
    coalesce(learned_spread.learned_std, combined.stated_transit_days_std) as transit_days_std,
    case when combined.n_received > 0 then 'learned' else 'stated' end as basis,
    combined.n_received,
    combined.n_ignored,
    combined.observed_mean,
    sqrt(combined.observed_var) as observed_std,
    combined.stated_transit_days,
    combined.stated_transit_days_std
from combined
cross join as_of
left join learned_spread
    on combined.origin_id = learned_spread.origin_id
    and combined.destination_id = learned_spread.destination_id
    and combined.mode = learned_spread.mode
