using CaiEvents.Application.Evaluation;
using CaiEvents.Contracts.Events;

namespace CaiEvents.Application.Demo;

/// <summary>
/// What the demo's RL stages made: the SL-CAI policy, the labelled pairs (in <see cref="PairsRun"/>), the preference model, the PPO
/// policy and the start-vs-final evaluation.
/// </summary>
public sealed record DemoRlArtefacts(string PreferenceDataset, int Labels, PolicyCheckpointed Sft, Guid PmJob, PreferenceModelCheckpointed Pm,
    PolicyCheckpointed Ppo, PolicyEvaluationResult Start, PolicyEvaluationResult Final)
{
    /// <summary>The run whose response pairs (written by the SL-CAI policy) and AI labels trained the preference model.</summary>
    public Guid PairsRun { get; init; }
}
