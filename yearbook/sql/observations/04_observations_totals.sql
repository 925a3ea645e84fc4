-- observations_totals: the figures that can be added up without counting a child twice. For each indicator,
-- place and year: the grand total (every dimension at its total; breakdown and member '_T') and every figure
-- where all dimensions but one are at their total (breakdown: which split, member: its code).
-- A dimension's total is _T, or the total of its breakdowns in the table breakdowns (schemas/codelists/
-- breakdowns.csv): the ages 0-17 (Y0T17) of the child population, split into single years (breakdown age)
-- and of the children with disabilities into age groups (breakdown age_group), and the ages 14-17 (Y14T17) of
-- the juvenile offenders, in age groups. The levels never mix: a single age and an age group that holds it
-- are members of different breakdowns. In a dimension without declared breakdowns every other code is a part
-- of _T in a breakdown named after the dimension.
-- The members of a breakdown add up to its total where adds_up (counts only: a rate or a percentage of the
-- whole is not the sum of its parts'); crime types are "of which" parts of all crimes (adds_up false).
-- ref_area and time_period are not breakdowns: KZ is the sum of the regions of its year.
-- source: observations (this store's), breakdowns.
CREATE OR REPLACE VIEW observations_totals AS
WITH codes AS (  -- each figure's code in each dimension
    UNPIVOT (SELECT rowid AS figure, {dimensions} FROM observations) ON {dimensions} INTO NAME dimension VALUE code
),
split AS (  -- the codes of a figure that are not a total of their dimension: how many, and one of them
    SELECT c.figure, count(*) AS splits, any_value(c.dimension) AS dimension, any_value(c.code) AS code
    FROM codes AS c
    ANTI JOIN (SELECT DISTINCT dimension, total FROM breakdowns) AS t ON t.dimension = c.dimension AND t.total = c.code
    WHERE c.code <> {total}
    GROUP BY c.figure
)
SELECT
    o.*,
    coalesce(b.breakdown, {total}) AS breakdown,
    coalesce(b.member, {total}) AS member,
    coalesce(b.adds_up, true) AS adds_up
FROM observations AS o
LEFT JOIN split AS s ON s.figure = o.rowid
LEFT JOIN breakdowns AS b ON b.dimension = s.dimension AND b.member = s.code
WHERE s.figure IS NULL OR (s.splits = 1 AND b.member IS NOT NULL);
