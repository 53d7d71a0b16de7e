using CaiEvents.Application.Evaluation;
using CaiEvents.Application.Runs;
using CaiEvents.Application.Training;
using CaiEvents.Contracts.Events;
using CaiEvents.EventStore;

namespace CaiEvents.Application.Demo;

/// <summary>What a caller sees of <c>cai demo</c>: each stage's own observer, and each stage's end with its time.</summary>
public interface IDemoPipelineObserver
{
    IRunObserver Run { get; }

    ISlCaiFineTuningObserver Sft { get; }

    IPreferenceModelTrainingObserver PreferenceModel { get; }

    IPolicyOptimisationObserver Ppo { get; }

    void EvaluationProgress(int scored, int total);

    void SlStageDone(RunState run, int slExamples, int labels, TimeSpan sinceStart);

    void SftStageDone(PolicyCheckpointed sft, int slExamples, TimeSpan took);

    /// <summary>The run whose pairs were written by the SL-CAI policy and labelled (or the SL run itself, when it had labels).</summary>
    void PairsStageDone(RunState pairsRun, int labels, TimeSpan took);

    void PmStageDone(Guid jobId, int epochs, int labels, PreferenceModelCheckpointed pm, TimeSpan took);

    void PpoStageDone(PolicyCheckpointed ppo, int rolloutsPerStep, TimeSpan took);

    void EvalStageDone(PolicyEvaluationResult start, PolicyEvaluationResult final, TimeSpan took);
}
