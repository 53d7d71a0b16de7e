namespace CaiEvents.Workers.PPOLearner;

/// <summary>One generated response: the prompt and response token ids the policy saw and produced, and the response text.</summary>
public sealed record RolloutSample(int Index, int[] PromptIds, int[] ResponseIds, string Text);
