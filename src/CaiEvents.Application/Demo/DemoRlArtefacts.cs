using CaiEvents.Application.Evaluation;
using CaiEvents.Contracts.Events;

namespace CaiEvents.Application.Demo;

/// <summary>What the demo's RL stages made: the SL-CAI policy, the preference model, the PPO policy and the start-vs-final evaluation.</summary>
public sealed record DemoRlArtefacts(string PreferenceDataset, int Labels, PolicyCheckpointed Sft, Guid PmJob, PreferenceModelCheckpointed Pm,
    PolicyCheckpointed Ppo, PolicyEvaluationResult Start, PolicyEvaluationResult Final);
