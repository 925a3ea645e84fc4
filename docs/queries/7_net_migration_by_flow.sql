-- Section 7, Migration. In the latest year, which regions gained and which lost children by migration, and how much
-- of it came from moves between regions (internal), from and to CIS countries, and other countries?
--
-- Run: duckdb -readonly out/yearbook.duckdb < docs/queries/7_net_migration_by_flow.sql
--  or: .venv/bin/python -c "import duckdb; print(duckdb.connect('out/yearbook.duckdb', read_only=True).sql(open('docs/queries/7_net_migration_by_flow.sql').read()))"
--
-- Net migration (MIG_NET = arrivals - departures) of each region: its grand total (breakdown '_T', all flows) and
-- its flows (breakdown 'flow'), which add up to it; observations holds the flows and the total side by side, so a
-- sum over all of them would count every child twice. For the country internal net migration is zero.
-- The country first, then the regions from the largest gain to the largest loss.
WITH latest AS (
    SELECT max(time_period) AS time_period FROM observations WHERE indicator = 'MIG_NET'
),
net AS (
    SELECT t.ref_area, t.time_period, t.breakdown, t.member, t.value
    FROM observations_totals AS t
    JOIN latest USING (time_period)
    WHERE t.indicator = 'MIG_NET' AND t.breakdown IN ('_T', 'flow')
)
SELECT
    r.name_en AS region,
    n.time_period AS year,
    any_value(n.value) FILTER (WHERE n.breakdown = '_T') AS net_migration,
    any_value(n.value) FILTER (WHERE n.member = 'INTERNAL') AS internal,
    any_value(n.value) FILTER (WHERE n.member = 'CIS') AS cis_countries,
    any_value(n.value) FILTER (WHERE n.member = 'OTHER') AS other_countries
FROM net AS n
JOIN regions AS r USING (ref_area)
GROUP BY n.ref_area, r.name_en, n.time_period
ORDER BY n.ref_area <> 'KZ', net_migration DESC, n.ref_area;
