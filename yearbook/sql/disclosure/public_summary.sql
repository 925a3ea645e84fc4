-- What disclosure control hid, as a reader of the public store may know it: how many figures, never why
-- (one code, obs_conf C, for every hidden figure) and never their total value.

-- per indicator: the figures of observations and how many of them are hidden
CREATE OR REPLACE TABLE disclosure_summary AS
WITH per_indicator AS (
    SELECT
        indicator,
        count(*) AS figures,
        count(*) FILTER (WHERE obs_conf <> 'F') AS hidden
    FROM observations
    GROUP BY indicator
)
SELECT indicator, figures, hidden, round(hidden / figures, 4) AS hidden_share
FROM per_indicator
WHERE hidden > 0
ORDER BY indicator;

-- per yearbook table (crosstabs): its cells, how many show x
CREATE OR REPLACE TABLE disclosure_tables AS
WITH cells AS (
    SELECT c.view_name, o.obs_conf
    FROM yb_cells AS c
    LEFT JOIN observations AS o USING ({key})
),
per_table AS (
    SELECT view_name, count(*) AS cells, count(*) FILTER (WHERE obs_conf <> 'F') AS hidden
    FROM cells
    GROUP BY view_name
)
SELECT t.table_id, t.table_number, p.cells, p.hidden, round(p.hidden / p.cells, 4) AS hidden_share
FROM per_table AS p
JOIN yb_tables AS t USING (view_name)
ORDER BY t.position;
