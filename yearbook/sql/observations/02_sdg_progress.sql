-- sdg_progress: one row per national series of the SDG map (schemas/sdg.yaml), with its progress towards 2030 by
-- the method of docs/sdg-progress.md (ESCAP's Anticipated Progress and Current Status indices).
-- source: observations (this store's: the public one's withheld figures are no data points), sdg_map and sdg_method
-- (schemas/sdg.yaml, registered by the build for this connection).
-- The series: Kazakhstan, every dimension the total. Years are counted from the target year (u = year - 2030), so
-- that the intercept of the weighted regression is the anticipated 2030 value.
CREATE OR REPLACE TABLE sdg_progress AS
WITH national AS (  -- every national figure of a mapped series, withheld ones included
    SELECT o.indicator, o.time_period, o.value, o.obs_conf
    FROM observations AS o
    JOIN sdg_map AS s USING (indicator)
    WHERE o.ref_area = {national} AND ({dimensions_of[o]}) = ({dimension_totals})
),
points AS (  -- the data points: published values from regression_from on
    SELECT n.indicator, n.time_period, n.value, n.time_period - m.target_year AS u,
           1 + m.weight_per_year * (n.time_period - min(n.time_period) OVER (PARTITION BY n.indicator)) AS w
    FROM national AS n, sdg_method AS m
    WHERE n.value IS NOT NULL AND n.time_period >= m.regression_from
),
sums AS (  -- weighted least squares value = a + b u: the sums it needs, each added up in year order (in whatever order
           -- DuckDB's threads found the points, the last digits of a sum of fractions would vary from build to build)
    SELECT indicator, count(*) AS points,
           sum(w ORDER BY time_period) AS sw, sum(w * u ORDER BY time_period) AS swu,
           sum(w * value ORDER BY time_period) AS swx, sum(w * u * u ORDER BY time_period) AS swuu,
           sum(w * u * value ORDER BY time_period) AS swux
    FROM points
    GROUP BY indicator
),
fit AS (  -- b = (Sw Swux - Swu Swx) / (Sw Swuu - Swu^2), a = (Swx - b Swu) / Sw; one year alone has no slope
    SELECT indicator, points,
           (sw * swux - swu * swx) / nullif(sw * swuu - swu * swu, 0) AS slope,
           sw, swu, swx
    FROM sums
),
ends AS (  -- the baseline (first year from baseline_from on) and the latest published year
    SELECT p.indicator,
           min(p.time_period) FILTER (WHERE p.time_period >= m.baseline_from) AS baseline_year,
           arg_min(p.value, p.time_period) FILTER (WHERE p.time_period >= m.baseline_from) AS baseline_value,
           max(p.time_period) AS latest_year,
           arg_max(p.value, p.time_period) AS latest_value
    FROM points AS p, sdg_method AS m
    GROUP BY p.indicator
),
withheld AS (  -- the latest national figure that is withheld (confidential), if any
    SELECT indicator, max(time_period) AS withheld_year
    FROM national
    WHERE value IS NULL AND obs_conf <> 'F'
    GROUP BY indicator
),
series AS (
    SELECT
        s.*,
        CASE s.direction WHEN 'up' THEN 1 ELSE -1 END AS sign,
        e.baseline_year, e.baseline_value, e.latest_year, e.latest_value,
        coalesce(w.withheld_year > e.latest_year, w.withheld_year IS NOT NULL) AS latest_withheld,
        coalesce(f.points, 0) AS points,
        f.slope,
        CASE WHEN f.points >= m.min_points THEN greatest(s.lowest, least(s.highest, (f.swx - f.slope * f.swu) / f.sw)) END
            AS anticipated_2030,  -- within the limits of the unit
        coalesce(s.target_value, s.target_factor * e.baseline_value) AS target,
        m.min_points, m.min_points_status, m.on_track, m.regressing, m.stagnation_band
    FROM sdg_map AS s
    CROSS JOIN sdg_method AS m
    LEFT JOIN ends AS e USING (indicator)
    LEFT JOIN fit AS f USING (indicator)
    LEFT JOIN withheld AS w USING (indicator)
),
indices AS (
    SELECT
        *,
        sign * (target - baseline_value) > 0 AS target_ahead,  -- the baseline has not met the target yet
        sign * (latest_value - target) >= 0 AS target_met_latest,
        -- progress since the baseline relative to the progress required by the target year
        CASE WHEN sign * (target - baseline_value) > 0 AND points >= min_points_status
             THEN (latest_value - baseline_value) / (target - baseline_value) END AS current_status_index,
        -- anticipated progress by the target year relative to the progress required
        CASE WHEN sign * (target - baseline_value) > 0
             THEN (anticipated_2030 - baseline_value) / (target - baseline_value) END AS anticipated_progress_index,
        -- no target: the regression's slope in the desired direction, % of the baseline value per year
        sign * slope / nullif(abs(baseline_value), 0) * 100 AS annual_change_pct
    FROM series
),
final AS (
    SELECT
        indicator, sdg_indicator, sdg_series, relation, unit, direction,
        target AS target_value, target_source_kk, target_source_ru, target_source_en,
        proxy_why_kk, proxy_why_ru, proxy_why_en,
        baseline_year, baseline_value, latest_year, latest_value, latest_withheld,
        CAST(points AS INTEGER) AS points,
        anticipated_2030, slope, annual_change_pct,
        current_status_index, anticipated_progress_index,
        CASE
            WHEN points < min_points OR baseline_year IS NULL THEN 'insufficient_data'
            WHEN target IS NOT NULL AND target_met_latest THEN 'target_met'
            WHEN target IS NOT NULL AND NOT target_ahead THEN 'regressing'  -- met at the baseline, missed since
            WHEN target IS NOT NULL AND anticipated_progress_index >= on_track THEN 'on_track'
            WHEN target IS NOT NULL AND anticipated_progress_index > regressing THEN 'acceleration_needed'
            WHEN target IS NOT NULL THEN 'regressing'
            WHEN annual_change_pct IS NULL THEN 'insufficient_data'
            WHEN annual_change_pct >= stagnation_band THEN 'improving'
            WHEN annual_change_pct <= -stagnation_band THEN 'deteriorating'
            ELSE 'stagnating'
        END AS verdict
    FROM indices
)
SELECT * FROM final
ORDER BY indicator;
