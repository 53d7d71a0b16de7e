using System.Collections.Concurrent;
using CaiEvents.Domain.Constitutions;
using CaiEvents.EventStore;
using Marten;

namespace CaiEvents.Workers.Common;

/// <summary>Run configuration is immutable once started, so each process reads it once per run.</summary>
public sealed class RunContextCache(IDocumentStore store)
{
    private readonly ConcurrentDictionary<Guid, RunContext> _runs = new();

    public async Task<RunContext> GetAsync(Guid runId, CancellationToken ct)
    {
        if (_runs.TryGetValue(runId, out var cached)) return cached;
        await using var session = store.QuerySession();
        var run = await RunQueries.LoadRunAsync(session, runId, ct)
                  ?? throw new UnknownRunException(runId);
        var constitution = ConstitutionLoader.Parse(run.Constitution.Text, run.Constitution.SourceName);
        var context = new RunContext(runId, run.Configuration, run.Constitution, constitution);
        return _runs.GetOrAdd(runId, context);
    }
}
