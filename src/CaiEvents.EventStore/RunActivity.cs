using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Rl;
using CaiEvents.Domain.Sl;
using CaiEvents.EventStore.Audit;
using Marten;

namespace CaiEvents.EventStore;

/// <summary>How far one worker role is through a run: steps done, steps the run needs of it, items that failed at its step.</summary>
public sealed record RoleProgress(string Role, int Done, int Expected, int Failed);

/// <summary>Critiques and revisions recorded so far by the samples in flight (responded, not yet finalised or failed).</summary>
public sealed record RoundsInFlight(int Critiques, int Revisions);

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
    /// the role whose step failed, and their remaining steps are no longer expected. From every item of the run.
    /// </summary>
    public static IReadOnlyList<RoleProgress> RoleProgressOf(RunState run, IReadOnlyList<SampleState> samples, IReadOnlyList<ComparisonState> comparisons)
    {
        var progress = new RunProgress(
            samples.Count(s => s.Status == SampleStatus.Submitted), samples.Count(s => s.Status == SampleStatus.Responded),
            samples.Count(s => s.Status == SampleStatus.Finalized), samples.Count(s => s.Status == SampleStatus.Failed),
            comparisons.Count(c => c.Status is ComparisonStatus.Submitted or ComparisonStatus.Generated),
            comparisons.Count(c => c.Status == ComparisonStatus.Labelled), comparisons.Count(c => c.Status == ComparisonStatus.Failed),
            comparisons.Count(c => c.Status == ComparisonStatus.Generated));
        var responded = samples.Where(s => s.Status == SampleStatus.Responded).ToList();
        return RoleProgressOf(run, progress, new RoundsInFlight(responded.Sum(Critiques), responded.Sum(Revisions)),
            samples.Where(s => s.Status == SampleStatus.Failed).ToList(), comparisons.Where(c => c.Status == ComparisonStatus.Failed).ToList());
    }

    /// <summary>
    /// The same, without reading every item: finalised samples did every round, submitted ones none, so only the rounds of
    /// samples in flight (<paramref name="inFlight"/>, summed by the database) and the failed items (few, from their own
    /// index) are needed beside the per-status counts.
    /// </summary>
    public static IReadOnlyList<RoleProgress> RoleProgressOf(RunState run, RunProgress progress, RoundsInFlight inFlight,
        IReadOnlyList<SampleState> failedSamples, IReadOnlyList<ComparisonState> failedComparisons)
    {
        var rounds = run.Configuration.Revisions;
        var roles = new List<RoleProgress>();
        if (run.SampleCount > 0)
        {
            int FailedAt(string prefix) => failedSamples.Count(s => s.FailedStep?.StartsWith(prefix, StringComparison.Ordinal) == true);
            // A sample that failed no longer needs the steps after its failure: a role expects what it did plus the step that failed.
            int Expected(Func<SampleState, int> done, string prefix) =>
                failedSamples.Sum(done) + FailedAt(prefix) + (run.SampleCount - failedSamples.Count) * rounds;
            roles.Add(new(WorkerRoles.Generator, progress.Responded + progress.Finalized + failedSamples.Count(s => s.InitialResponse is not null),
                run.SampleCount, FailedAt(StepNames.Response)));
            if (rounds > 0)
            {
                roles.Add(new(WorkerRoles.Critic, progress.Finalized * rounds + inFlight.Critiques + failedSamples.Sum(Critiques),
                    Expected(Critiques, "critique"), FailedAt("critique")));
                roles.Add(new(WorkerRoles.Reviser, progress.Finalized * rounds + inFlight.Revisions + failedSamples.Sum(Revisions),
                    Expected(Revisions, "revision"), FailedAt("revision")));
            }
        }
        if (run.PairCount > 0)
        {
            int FailedAt(string step) => failedComparisons.Count(c => c.FailedStep == step);
            var pairs = progress.PairsGenerated + progress.Labelled + failedComparisons.Count(c => c.A is not null);
            var generator = roles.FirstOrDefault(r => r.Role == WorkerRoles.Generator);
            var pairRole = new RoleProgress(WorkerRoles.Generator, pairs, run.PairCount, FailedAt(ComparisonSteps.Pair));
            if (generator is null) roles.Add(pairRole);
            else roles[roles.IndexOf(generator)] = generator with
            {
                Done = generator.Done + pairRole.Done, Expected = generator.Expected + pairRole.Expected, Failed = generator.Failed + pairRole.Failed,
            };
            roles.Add(new(WorkerRoles.Labeller, progress.Labelled + failedComparisons.Count(c => c.LabelId is not null),
                run.PairCount - FailedAt(ComparisonSteps.Pair), FailedAt(ComparisonSteps.Label)));
        }
        return roles;
    }

    private static int Critiques(SampleState s) => s.Rounds.Count;

    private static int Revisions(SampleState s) => s.Rounds.Count(r => r.Revision is not null);
}
