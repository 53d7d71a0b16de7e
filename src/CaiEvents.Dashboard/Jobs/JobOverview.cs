using CaiEvents.Contracts.Events;

namespace CaiEvents.Dashboard.Jobs;

/// <summary>
/// A job's summary from its stream's events, in stream order. The list reads only the events it needs (start, checkpoints,
/// epochs, failure) plus a count of PPO steps, so <paramref name="ppoSteps"/> is passed in rather than counted here.
/// </summary>
public static class JobOverview
{
    public const string Sft = "sft";
    public const string PreferenceModel = "pm";
    public const string Ppo = "ppo";

    /// <summary>Null when none of the events is a job's (not a job stream).</summary>
    public static JobSummary? Of(Guid jobId, IReadOnlyList<object> events, int ppoSteps)
    {
        var error = events.Select(e => e switch
        {
            PolicyTrainingFailed f => f.Reason,
            PreferenceModelTrainingFailed f => f.Reason,
            PpoFailed f => f.Reason,
            _ => null,
        }).LastOrDefault(r => r is not null);
        foreach (var e in events)
        {
            switch (e)
            {
                case PolicyTrainingStarted s:
                {
                    var last = events.OfType<PolicyCheckpointed>().LastOrDefault();
                    return new JobSummary(jobId, s.Kind, State(error, last?.Final), s.RunId, s.BaseModel, last?.Step ?? 0, s.TotalSteps, "steps",
                        Checkpoint(last), null, s.StartedAt, error);
                }
                case PreferenceModelTrainingStarted s:
                {
                    var last = events.OfType<PreferenceModelCheckpointed>().LastOrDefault();
                    var epochs = events.OfType<EpochCompleted>().ToList();
                    var resumptions = epochs.Zip(epochs.Skip(1)).Count(p => p.First.WorkerInstance != p.Second.WorkerInstance);
                    var checkpoint = last is null ? null : new JobCheckpoint(last.Epoch, last.TotalEpochs, last.Path, last.Sha256, last.Final, last.RecordedAt);
                    return new JobSummary(jobId, PreferenceModel, State(error, last?.Final), s.RunId, s.HyperParameters.BaseModel,
                        epochs.Select(x => x.Epoch).DefaultIfEmpty(0).Max(), s.TotalEpochs, "epochs", checkpoint, resumptions, s.StartedAt, error);
                }
                case PpoStarted s:
                {
                    var last = events.OfType<PolicyCheckpointed>().LastOrDefault();
                    return new JobSummary(jobId, Ppo, State(error, last?.Final), s.RunId, s.PolicyModel, ppoSteps, s.HyperParameters.Steps, "steps",
                        Checkpoint(last), null, s.StartedAt, error);
                }
            }
        }
        // A request that could not run at all: its failure is the stream's only event.
        var kind = events.LastOrDefault(e => e is PolicyTrainingFailed or PreferenceModelTrainingFailed or PpoFailed) switch
        {
            PolicyTrainingFailed => Sft,
            PreferenceModelTrainingFailed => PreferenceModel,
            PpoFailed => Ppo,
            _ => null,
        };
        return kind is null
            ? null
            : new JobSummary(jobId, kind, "failed", null, null, 0, 0, kind == PreferenceModel ? "epochs" : "steps", null, null, null, error);
    }

    private static string State(string? error, bool? final) => error is not null ? "failed" : final == true ? "completed" : "running";

    private static JobCheckpoint? Checkpoint(PolicyCheckpointed? c) =>
        c is null ? null : new JobCheckpoint(c.Step, c.TotalSteps, c.Path, c.Sha256, c.Final, c.RecordedAt);
}
