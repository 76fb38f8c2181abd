-- One row per shipment line (shipment_id, sku): its latest record as of the as-of day, with the
-- eta of its first record as the original eta.
with as_of as (

    select * from {{ ref('int_as_of') }}

),

records as (

    select
        *,
        -- a planned record without its own updated_at carries the planned departure (contract
        -- default, possibly weeks ahead) instead of the moment it was recorded
        shipment_status = 'planned' and updated_at = shipped_at as is_undated_plan
    from {{ ref('stg_raw__shipments') }}

),

records_known_as_of as (

    -- an undated plan counts as known at every as_of: hiding it until its planned departure
    -- would hide every future purchase order
    select records.*
    from records
    cross join as_of
    where records.updated_at < as_of.cutoff_at
        or records.is_undated_plan

),

records_ranked as (

    -- an undated plan knows less than any dated record: it is the oldest record of its line
    -- whatever its planned departure, so an early departure still supersedes it
    select
        *,
        row_number() over (
            partition by shipment_id, sku
            order by
                case when is_undated_plan then 0 else 1 end desc,
                {{ latest_first('updated_at') }}
        ) as recency_rank,
        row_number() over (
            partition by shipment_id, sku
            order by
                case when is_undated_plan then 0 else 1 end,
                {{ earliest_first('updated_at') }}
        ) as age_rank
    from records_known_as_of

),

latest_records as (

    select * from records_ranked where recency_rank = 1

),

first_records as (

    select shipment_id, sku, eta as original_eta
    from records_ranked
    where age_rank = 1

),

locations as (

    select location_id, location_type from {{ ref('stg_raw__locations') }}

)

select
    latest_records.shipment_id,
    latest_records.sku,
    latest_records.quantity,
    latest_records.origin_id,
    origins.location_type as origin_type,
    latest_records.destination_id,
    destinations.location_type as destination_type,
    latest_records.mode,
    latest_records.shipment_status,
    latest_records.shipped_at,
    latest_records.eta,
    first_records.original_eta,
    latest_records.updated_at,
    latest_records.received_at,
    case
        when latest_records.shipment_status = 'received'
            then coalesce(latest_records.received_at, latest_records.updated_at)
    end as arrived_at
from latest_records
inner join first_records
    on latest_records.shipment_id = first_records.shipment_id
    and latest_records.sku = first_records.sku
left join locations as origins
    on latest_records.origin_id = origins.location_id
left join locations as destinations
    on latest_records.destination_id = destinations.location_id
