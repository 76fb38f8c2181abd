-- Amazon Reserved Inventory report rows, as loaded by the marketplace-report adapters.
select
    report_date,
    reported_at,
    location_id,
    sku,
    reserved,
    reserved_customer_orders,
    reserved_fc_transfers,
    reserved_fc_processing,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('raw', 'amazon_reserved') }}
