with demand_dates as (

    select sku, min(date) as first_order_date, max(date) as last_order_date
    from {{ ref('fct_daily_demand') }}
    group by sku

)

select
    skus.sku,
    skus.title,
    skus.category,
    skus.unit_cost,
    skus.unit_price,
    skus.case_pack,
    skus.moq,
    skus.supplier_id,
    skus.production_lead_time_days,
    skus.launch_date,
    skus.sku_status,
    demand_dates.first_order_date,
    demand_dates.last_order_date
from {{ ref('stg_raw__skus') }} as skus
left join demand_dates
    on skus.sku = demand_dates.sku
