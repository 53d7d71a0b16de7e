using CaiEvents.Application.Demo;
using CaiEvents.Contracts;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Demo;
using CaiEvents.Workers.Labeller;

namespace CaiEvents.Application.Evaluation;

/// <summary><c>cai model eval-labels</c>: the Labeller's computation (K principles × both orders) on the demo corpus's held-out comparisons.</summary>
public static class LabelEvaluation
{
    public static async Task<LabelEvaluationResult> EvaluateAsync(string modelId, int principlesPerLabel, IDemoModelTrainingObserver demoModel,
        CancellationToken ct)
    {
        DemoModelSetup.EnsureFor(modelId, demoModel, ct);
        var constitution = ConstitutionLoader.LoadDefault();
        var k = principlesPerLabel;
        if (k < 1 || k > constitution.Comparison.Count)
            throw new UsageException($"--principles: must be between 1 and {constitution.Comparison.Count}, got {k}");
        // The CPU, as the demo model was trained: the rates in docs compare across machines.
        using var model = ModelCatalog.Load(modelId, new ModelOptions(Device: "cpu"));
        var items = DemoCorpusGenerator.Generate(DemoModelSetup.Inputs(), DemoModelRecipe.Default.Corpus).HeldOutComparisons;
        var correct = 0;
        double sum = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var chosen = PrincipleSampler.ChooseDistinct(constitution.Comparison, k, 42, DeterministicIds.Create(Guid.Empty, $"eval:{i}"), "comparison");
            var label = await PreferenceLabeler.LabelAsync(model, item.Prompt, item.OptionA, item.OptionB, chosen, LabelMode.Soft,
                LabelClampBand.Low, LabelClampBand.High, null, ct);
            var pHarmless = item.CorrectOption == 'A' ? label.ProbabilityA : 1 - label.ProbabilityA;
            sum += pHarmless;
            if (pHarmless > 0.5) correct++;
        }
        return new LabelEvaluationResult(modelId, k, items.Count, Math.Round((double)correct / items.Count, 4), Math.Round(sum / items.Count, 4));
    }
}
