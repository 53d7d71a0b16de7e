using CaiEvents.Dashboard.Charts;
using CaiEvents.EventStore;

namespace CaiEvents.Dashboard.Rates;

/// <summary>A run's throughput over time, counted by PostgreSQL per interval and role (no event is loaded).</summary>
public sealed class ThroughputQueries(EventSql sql)
{
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
