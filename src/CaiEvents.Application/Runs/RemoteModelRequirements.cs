using System.Globalization;
using CaiEvents.Contracts;
using CaiEvents.Hosting;
using CaiEvents.Models.Remote;
using CaiEvents.Workers.Submission;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Application.Runs;

/// <summary>Finds what a remote model's server offers (<see cref="RemoteModelProbe.ProbeAsync"/> in a real process; a fake in tests).</summary>
public delegate Task<ServerCapabilities> CapabilityProbe(string modelId, CancellationToken ct);

/// <summary>
/// <c>run</c>/<c>submit</c> refuse a remote model that lacks what its role needs, before anything is written: each named remote
/// model is probed once, and a role it cannot serve is one line naming the model, the role and the missing capability
/// (a <see cref="UsageException"/>, exit 2). The Labeller needs label log-probs from the API its model will speak (echo prompt
/// log-probs from <c>/completions</c>, or at least 2 <c>top_logprobs</c> from chat; and generation too in chain-of-thought mode);
/// the Generator, Critic and Reviser (and the RL policy that writes the response pairs) need generation
/// (<see cref="ServerCapabilities.CanGenerate"/>). Roles the run does not use (the SL roles of a <c>--pairs</c>-only run) are not
/// checked; local models are not probed.
/// </summary>
public static class RemoteModelRequirements
{
    /// <summary>The real probe, with this process's <c>Models:Remote</c> settings (key, timeout, retries).</summary>
    public static CapabilityProbe ServerProbe(IConfiguration configuration)
    {
        var remote = ModelConfiguration.Options(configuration).Remote;
        return (modelId, ct) => RemoteModelProbe.ProbeAsync(modelId, remote, null, ct);
    }

    /// <summary>What a role needs of its model.</summary>
    private enum Need { Generate, Label }

    /// <summary>How often a model is probed again before a missing capability counts (see <see cref="CheckAsync"/>).</summary>
    public const int Attempts = 3;

    /// <summary>
    /// Probes every remote model the run uses and throws a one-line <see cref="UsageException"/> for the first role its model cannot
    /// serve. A busy or failing server (429, 5xx) makes a check inconclusive rather than negative, so a capability counts as
    /// missing only when <see cref="Attempts"/> probes, <paramref name="retryDelay"/> (default 1 s) apart and doubling, all miss it.
    /// </summary>
    /// <exception cref="UsageException">A role's model lacks what the role needs, or its id is malformed.</exception>
    /// <exception cref="ServiceUnreachableException">A server cannot be reached at all.</exception>
    public static async Task CheckAsync(RunRequest request, CapabilityProbe probe, CancellationToken ct, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(probe);
        var probed = new Dictionary<string, ServerCapabilities>(StringComparer.Ordinal);
        foreach (var (role, modelId, need) in Needs(request).Where(n => RemoteModelId.IsRemote(n.ModelId)))
        {
            RemoteApi? api;
            try
            {
                api = RemoteModelId.Parse(modelId).Api;
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"model '{modelId}' ({role}): {e.Message}");
            }
            var delay = retryDelay ?? TimeSpan.FromSeconds(1);
            for (var attempt = 1; ; attempt++)
            {
                if (!probed.TryGetValue(modelId, out var capabilities))
                    probed[modelId] = capabilities = await ProbeAsync(probe, modelId, role, ct);
                if (Missing(api, need, capabilities) is not { } missing) break;
                if (attempt == Attempts) throw new UsageException($"model '{modelId}' cannot serve as the {role}: {missing}");
                probed.Remove(modelId);
                await Task.Delay(delay, ct);
                delay *= 2;
            }
        }
    }

    private static async Task<ServerCapabilities> ProbeAsync(CapabilityProbe probe, string modelId, string role, CancellationToken ct)
    {
        try
        {
            return await probe(modelId, ct);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"model '{modelId}' ({role}): {e.Message}");
        }
        catch (RemoteModelException e)
        {
            // Like `cai model probe`: a server out of reach is an infrastructure failure (exit 1), not bad input.
            throw new ServiceUnreachableException($"model '{modelId}' ({role}): could not probe the server: {e.Message}", e);
        }
    }

    /// <summary>Each role the run uses, its model and what it needs, in pipeline order.</summary>
    private static IEnumerable<(string Role, string ModelId, Need Need)> Needs(RunRequest request)
    {
        if (request.RunSlStage)
        {
            yield return (WorkerRoles.Generator, request.GeneratorModel, Need.Generate);
            yield return (WorkerRoles.Critic, request.CriticModel, Need.Generate);
            yield return (WorkerRoles.Reviser, request.ReviserModel, Need.Generate);
        }
        if (request.Feedback is { } feedback)
        {
            yield return ($"{WorkerRoles.Generator} (RL policy)", feedback.PolicyModel, Need.Generate);
            yield return (WorkerRoles.Labeller, feedback.FeedbackModel, Need.Label);
            if (feedback.Mode == LabelMode.ChainOfThought) yield return ($"{WorkerRoles.Labeller} (chain-of-thought reasoning)", feedback.FeedbackModel,
                Need.Generate);
        }
    }

    /// <summary>
    /// The missing capability in words, or null when the server has it. What counts is the API the model will speak: the one an
    /// <c>?api=</c> suffix forces, else chat when chat answers (as <see cref="RemoteApiSelection"/> chooses when the model loads).
    /// So a server whose chat ignores <c>top_logprobs</c> cannot label even if its <c>/completions</c> has echo log-probs; the line
    /// then says to name <c>?api=completions</c>.
    /// </summary>
    private static string? Missing(RemoteApi? forced, Need need, ServerCapabilities c)
    {
        var api = forced ?? (c.Chat ? RemoteApi.Chat : RemoteApi.Completions);
        return (need, api) switch
        {
            (Need.Generate, _) when forced is null && !c.CanGenerate => "it cannot generate (neither /chat/completions nor /completions answers)",
            (Need.Generate, RemoteApi.Chat) when !c.Chat => "it cannot generate (/chat/completions does not answer)",
            (Need.Generate, RemoteApi.Completions) when !c.Completions => "it cannot generate (/completions does not answer)",
            (Need.Label, RemoteApi.Chat) when !(c.Chat && c.TopLogProbs >= 2) =>
                $"it lacks label log-probs (its /chat/completions {ChatLogProbs(c)}, at least 2 are needed"
                + (forced is null && c.EchoLogProbs ? "; its /completions has echo log-probs: name the model with ?api=completions)" : ")"),
            (Need.Label, RemoteApi.Completions) when !c.EchoLogProbs => forced is null
                ? "it lacks label log-probs (/chat/completions does not answer and /completions does not return prompt log-probs with echo)"
                : "it lacks label log-probs (its /completions does not return prompt log-probs with echo)",
            _ => null,
        };
    }

    private static string ChatLogProbs(ServerCapabilities c) =>
        !c.Chat ? "does not answer" : string.Create(CultureInfo.InvariantCulture, $"gives {c.TopLogProbs} top log-prob(s) per position");
}
