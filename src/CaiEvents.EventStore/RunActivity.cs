using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Audit;
using Marten;

namespace CaiEvents.EventStore;

/// <summary>How far one worker role is through a run: steps done, steps the run needs of it, items that failed at its step.</summary>
public sealed record RoleProgress(string Role, int Done, int Expected, int Failed);

/// <summary>Steps one role recorded in a time window, and how many distinct items (samples or comparisons) they touched.</summary>
public sealed record RoleRate(string Role, int Events, int Items, double EventsPerSecond, double ItemsPerSecond);

/// <summary>Event throughput of a run over a window ending at <see cref="Until"/>, overall and per worker role.</summary>
public sealed record Throughput(
    DateTimeOffset Since, DateTimeOffset Until, int Events, double EventsPerSecond, int ItemsSettled, double ItemsSettledPerSecond,
    IReadOnlyList<RoleRate> ByRole);

/// <summary>Progress per role and throughput of a run, from its inline read models and event timestamps.</summary>
public static class RunActivity
{
    /// <summary>
    /// Per role: the Generator writes one response per sample and one pair per comparison, the Critic and the
    /// Reviser one step per sample and round, the Labeller one label per comparison. Failed items count against
    /// the role whose step failed, and their remaining steps are no longer expected.
    /// </summary>
    public static IReadOnlyList<RoleProgress> RoleProgressOf(RunState run, IReadOnlyList<SampleState> samples, IReadOnlyList<ComparisonState> comparisons)
    {
        var rounds = run.Configuration.Revisions;
        var roles = new List<RoleProgress>();
        if (run.SampleCount > 0)
        {
            static bool FailedAt(SampleState s, string prefix) =>
                s.Status == SampleStatus.Failed && s.FailedStep?.StartsWith(prefix, StringComparison.Ordinal) == true;
            // A sample that failed no longer needs the steps after its failure: a role expects what it did plus the step that failed.
            int Expected(Func<SampleState, int> done, string prefix) =>
                samples.Sum(s => s.Status == SampleStatus.Failed ? done(s) + (FailedAt(s, prefix) ? 1 : 0) : rounds)
                + (run.SampleCount - samples.Count) * rounds;
            static int Critiques(SampleState s) => s.Rounds.Count;
            static int Revisions(SampleState s) => s.Rounds.Count(r => r.Revision is not null);
            roles.Add(new(WorkerRoles.Generator, samples.Count(s => s.InitialResponse is not null), run.SampleCount,
                samples.Count(s => FailedAt(s, StepNames.Response))));
            if (rounds > 0)
            {
                roles.Add(new(WorkerRoles.Critic, samples.Sum(Critiques), Expected(Critiques, "critique"), samples.Count(s => FailedAt(s, "critique"))));
                roles.Add(new(WorkerRoles.Reviser, samples.Sum(Revisions), Expected(Revisions, "revision"), samples.Count(s => FailedAt(s, "revision"))));
            }
        }
        if (run.PairCount > 0)
        {
            int FailedAt(string step) => comparisons.Count(c => c.Status == ComparisonStatus.Failed && c.FailedStep == step);
            var pairs = comparisons.Count(c => c.A is not null);
            var generator = roles.FirstOrDefault(r => r.Role == WorkerRoles.Generator);
            var pairRole = new RoleProgress(WorkerRoles.Generator, pairs, run.PairCount, FailedAt(ComparisonSteps.Pair));
            if (generator is null) roles.Add(pairRole);
            else roles[roles.IndexOf(generator)] = generator with
            {
                Done = generator.Done + pairRole.Done, Expected = generator.Expected + pairRole.Expected, Failed = generator.Failed + pairRole.Failed,
            };
            roles.Add(new(WorkerRoles.Labeller, comparisons.Count(c => c.LabelId is not null), run.PairCount - FailedAt(ComparisonSteps.Pair),
                FailedAt(ComparisonSteps.Label)));
        }
        return roles;
    }

    /// <summary>Events appended to the given streams since <paramref name="since"/>, per worker role (from each event's provenance).</summary>
    public static async Task<Throughput> ThroughputAsync(
        IQuerySession session, IReadOnlyCollection<Guid> streamIds, DateTimeOffset since, DateTimeOffset until, CancellationToken ct)
    {
        var ids = streamIds.ToArray();
        var events = ids.Length == 0 ? [] : await session.Events.QueryAllRawEvents()
            .Where(e => e.Timestamp >= since && e.Timestamp <= until && e.StreamId.IsOneOf(ids))
            .ToListAsync(ct);
        var seconds = Math.Max((until - since).TotalSeconds, 1e-3);
        var byRole = events
            .Select(e => (e.StreamId, Provenance: EventDescriptions.ProvenanceOf(e.Data)))
            .Where(e => e.Provenance is not null)
            .GroupBy(e => e.Provenance!.WorkerRole)
            .Select(g => new RoleRate(
                g.Key, g.Count(), g.Select(e => e.StreamId).Distinct().Count(), g.Count() / seconds, g.Select(e => e.StreamId).Distinct().Count() / seconds))
            .OrderBy(r => r.Role, StringComparer.Ordinal)
            .ToList();
        var settled = events.Count(e => e.Data is SlExampleFinalized or SampleStepFailed or PreferenceLabelled or ComparisonStepFailed);
        return new Throughput(since, until, events.Count, events.Count / seconds, settled, settled / seconds, byRole);
    }
}
