using CaiEvents.Contracts;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;

namespace CaiEvents.Workers.Common;

/// <summary>One model call of an SL step, with exactly the parameters and seed that provenance records.</summary>
public sealed record StepGeneration(string Text, SamplingParameters Sampling, long Seed, ModelIdentity Model)
{
    /// <summary>
    /// Generates for one step: the run's sampling parameters plus the turn markers as stop sequences, and a
    /// seed derived from the run seed, the sample and the step, so the step is reproducible on its own.
    /// </summary>
    public static async Task<StepGeneration> RunAsync(ITextModel model, RunContext run, Guid itemId, string step,
        string prompt, SamplingParameters sampling, CancellationToken ct, IReadOnlyList<string>? stopSequences = null)
    {
        var parameters = sampling with { StopSequences = stopSequences ?? PromptFormat.StopSequences };
        var seed = Seeds.Derive(run.Configuration.Seed, itemId, step);
        var generated = (await model.GenerateAsync([new GenerationRequest(prompt, parameters, seed)], ct))[0];
        return new StepGeneration(generated.Text, parameters, seed, model.Identity);
    }
}
