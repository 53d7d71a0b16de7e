using CaiEvents.Domain.Evaluation;

namespace CaiEvents.Application.Evaluation;

/// <summary>What <c>cai eval choices</c> measured: the model, the file, how many items of each kind, and the accuracy summary.</summary>
public sealed record ChoiceEvaluationResult(string Model, string? ModelHash, string File, int ContinuationItems, int TextItems, int SwappedItems,
    ChoiceAccuracySummary Summary);
