using CaiEvents.Domain.Constitutions;
using CaiEvents.Models;
using CaiEvents.Models.Demo;

namespace CaiEvents.Application.Demo;

/// <summary>builtin:demo on demand: trained from its recipe the first time it is needed, cached after.</summary>
public static class DemoModelSetup
{
    /// <summary>The demo corpus is built from the embedded constitution's own requests and comparison questions.</summary>
    public static DemoCorpusInputs Inputs()
    {
        var constitution = ConstitutionLoader.LoadDefault();
        return new DemoCorpusInputs(
            constitution.CritiqueRevision.Select(p => new CritiqueRevisionRequests(p.Id, p.CritiqueRequest, p.RevisionRequest)).ToList(),
            constitution.Comparison.Select(c => c.Question).ToList());
    }

    /// <summary>Trains builtin:demo unless the cached one was made from the current recipe (or <paramref name="force"/>); returns its report.</summary>
    public static DemoTrainingReport Ensure(bool force, IDemoModelTrainingObserver observer, CancellationToken ct)
    {
        var inputs = Inputs();
        var recipe = DemoModelRecipe.Default;
        if (!force && DemoModel.IsCurrent(inputs, recipe)) return DemoModel.CachedReport()!;
        observer.Started(recipe.Hash(inputs)[..12], DemoModel.Directory);
        DemoTrainingReport? report = null;
        // Always on the CPU: the demo model is small, and its bytes must not depend on the machine's accelerator.
        observer.Watch(onStep => report = DemoModel.Train(inputs, recipe, DemoModel.Directory, new ModelOptions(Device: "cpu"), onStep, ct));
        observer.Finished(report!);
        return report!;
    }

    /// <summary>Trains builtin:demo first when <paramref name="modelId"/> is it.</summary>
    public static void EnsureFor(string? modelId, IDemoModelTrainingObserver observer, CancellationToken ct)
    {
        if (modelId == DemoModel.ModelId) Ensure(force: false, observer, ct);
    }
}
