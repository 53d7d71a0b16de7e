namespace CaiEvents.Models.Preference;

/// <summary>One comparison as token ids of <see cref="RewardModel.Encode"/>(prompt, response A/B) and the target P(A preferred).</summary>
public sealed record PreferencePair(int[] A, int[] B, double ProbabilityA);
