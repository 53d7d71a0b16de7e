using CaiEvents.Contracts;
using CaiEvents.Hosting;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Sampling;

/// <summary>
/// <c>cai ppo sample</c>: one response to a prompt from a policy checkpoint, sampled as the PPO rollouts are (in the policy's chat
/// format when it has a template).
/// </summary>
public static class ResponseSampling
{
    public static async Task<string> SampleAsync(string checkpoint, string prompt, long seed, double temperature, int maxNewTokens,
        IConfiguration configuration, CancellationToken ct)
    {
        var directory = ModelIds.LocalDirectory(checkpoint);
        if (!LocalCheckpoint.Exists(directory) && !Models.Lora.PeftAdapter.IsAdapterDirectory(directory))
            throw new UsageException(
                $"--checkpoint: {directory} has no {LocalCheckpoint.WeightsFileName} (nor a LoRA {Models.Lora.PeftAdapter.ConfigFileName})");
        using var model = LocalTextModel.Load(ModelIds.Hf(Path.GetFullPath(directory)), directory, ModelConfiguration.Options(configuration));
        var sampling = new SamplingParameters(Temperature: temperature, TopP: 1, MaxNewTokens: maxNewTokens,
            StopSequences: RolePrompts.StopSequences(model.ChatTemplate));
        var result = await model.GenerateAsync([new GenerationRequest(RolePrompts.Response(model.ChatTemplate, prompt), sampling, seed)], ct);
        return RolePrompts.Cut(model.ChatTemplate, result[0].Text);
    }
}
