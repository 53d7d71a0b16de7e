using CaiEvents.Dashboard.Charts;
using CaiEvents.EventStore;

namespace CaiEvents.Dashboard.Rates;

/// <summary>A run's throughput over time, counted by PostgreSQL per interval and role (no event is loaded).</summary>
public sealed class ThroughputQueries(EventSql sql)
{
    /// <summary>
    /// Events of the run's item streams in [<paramref name="since"/>, <paramref name="until"/>], per role (from each event's
    /// provenance), with the items they touched and the items they settled: counted by PostgreSQL, one row per role back.
    /// </summary>
    public async Task<Throughput> WindowAsync(RunState run, DateTimeOffset since, DateTimeOffset until, CancellationToken ct)
    {
        var s = sql.Schema;
        var rows = await sql.QueryAsync(
            $"""
             select e.data->'Provenance'->>'WorkerRole', count(*), count(distinct e.stream_id),
                    count(*) filter (where e.type in ('sl_example_finalized', 'sample_step_failed', 'preference_labelled', 'comparison_step_failed'))
             from {s}.mt_events e
             where e.stream_id in (select id from {s}.mt_doc_samplestate where run_id = $1
                                   union all select id from {s}.mt_doc_comparisonstate where run_id = $1)
               and e.timestamp >= $2 and e.timestamp <= $3 and not e.is_archived
             group by 1
             """,
            r => (Role: r.IsDBNull(0) ? null : r.GetString(0), Events: (int)r.GetInt64(1), Items: (int)r.GetInt64(2), Settled: (int)r.GetInt64(3)),
            ct, run.Id, since.ToUniversalTime(), until.ToUniversalTime());
        var seconds = Math.Max((until - since).TotalSeconds, 1e-3);
        var byRole = rows.Where(r => r.Role is not null)
            .Select(r => new RoleRate(r.Role!, r.Events, r.Items, r.Events / seconds, r.Items / seconds))
            .OrderBy(r => r.Role, StringComparer.Ordinal).ToList();
        int events = rows.Sum(r => r.Events), settled = rows.Sum(r => r.Settled);
        return new Throughput(since, until, events, events / seconds, settled, settled / seconds, byRole);
    }

    public async Task<Chart> SeriesAsync(RunState run, CancellationToken ct)
    {
        var s = sql.Schema;
        // The run's item streams, through the read models' indexed run_id columns; only events with provenance have a role.
        var where = $"""
                     from {s}.mt_events e
                     where e.stream_id in (select id from {s}.mt_doc_samplestate where run_id = $1
                                           union all select id from {s}.mt_doc_comparisonstate where run_id = $1)
                       and e.data ? 'Provenance' and not e.is_archived
                     """;
        var since = run.StartedAt.ToUniversalTime();
        var last = (await sql.QueryAsync($"select max(e.timestamp) {where}", r => r.IsDBNull(0) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(0),
            ct, run.Id))[0];
        var span = last is { } until && until > since ? until - since : TimeSpan.FromSeconds(1);
        var seconds = ThroughputSeries.IntervalSeconds(span);
        var counts = await sql.QueryAsync(
            $"select floor(extract(epoch from (e.timestamp - $2))::float8 / $3)::int, e.data->'Provenance'->>'WorkerRole', count(*) {where} group by 1, 2",
            r => (r.GetInt32(0), r.IsDBNull(1) ? "unknown" : r.GetString(1), r.GetInt64(2)), ct, run.Id, since, (double)seconds);
        return ThroughputSeries.Of(counts, ThroughputSeries.Intervals(span, seconds), seconds);
    }
}
