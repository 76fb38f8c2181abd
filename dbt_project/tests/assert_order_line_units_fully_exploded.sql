{{ config(severity="warn", meta={"dagster": {"ref": {"name": "int_order_line_components"}}}) }}
-- Every order line known as of has its components (ingestion quarantines listings without
-- listing rows, so a line that disappears here would silently drop demand and reservations).
select lines.order_id, lines.line_id
from {{ ref('int_order_lines') }} as lines
left join {{ ref('int_order_line_components') }} as components
    on lines.order_id = components.order_id
    and lines.line_id = components.line_id
where components.order_id is null
