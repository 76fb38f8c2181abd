{#- Generic test: no two rows share the same values in combination_of_columns.
    Fails with one row per duplicated key (and how many times it occurs). -#}
{% test unique_combination(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
