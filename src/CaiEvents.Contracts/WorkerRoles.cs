namespace CaiEvents.Contracts;

/// <summary>Names of the worker roles; the CLI, queues and provenance use these exact strings.</summary>
public static class WorkerRoles
{
    public const string Generator = "generator";
    public const string Critic = "critic";
    public const string Reviser = "reviser";
    public const string Labeller = "labeller";
    public const string PmTrainer = "pmtrainer";
    public const string PpoLearner = "ppolearner";
    /// <summary>SL-CAI fine-tuning: consumes <see cref="Commands.FineTunePolicy"/>.</summary>
    public const string SftTrainer = "sfttrainer";
    /// <summary>The process that submits a run (CLI): it writes RunStarted and PromptSubmitted.</summary>
    public const string Submitter = "submitter";

    public static readonly IReadOnlyList<string> All = [Generator, Critic, Reviser, Labeller, PmTrainer, PpoLearner, SftTrainer];

    /// <summary>Roles of the SL stage.</summary>
    public static readonly IReadOnlyList<string> SlStage = [Generator, Critic, Reviser];

    /// <summary>
    /// Roles <c>cai run</c> hosts in one process: the SL stage and the RL labelling stage. The training roles (PMTrainer,
    /// PPOLearner, SftTrainer; see <see cref="All"/>) are hosted by <c>cai pm train</c> / <c>cai ppo train</c> or <c>cai worker</c>,
    /// so that a data run never picks up a training job left unfinished in the store.
    /// </summary>
    public static readonly IReadOnlyList<string> Runnable = [Generator, Critic, Reviser, Labeller];
}
