using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Preference;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CaiEvents.Workers.PPOLearner;

/// <summary>
/// Rollouts from Generator workers (in any process) over the bus: the learner writes the current policy to
/// <c>OUT/rollout-policy/HASH</c> (a directory the workers must be able to read: a shared disk), splits the step's prompts
/// into shards of <see cref="PPOLearnerOptions.RolloutShardSize"/> and sends one <see cref="GenerateRollouts"/> per shard
/// (competing Generator workers take them in parallel), with a request id that is a function of (job, step, policy hash,
/// shard), and waits for each stream RequestId's <see cref="RolloutsGenerated"/>. A resumed step whose answers are already
/// stored is not asked again; an unanswered request is sent again after <see cref="PPOLearnerOptions.RolloutTimeoutSeconds"/>
/// (the consumer ignores duplicates). Every answer must name the hash of the policy the learner sent, or the step fails.
/// </summary>
public sealed class WorkerRollouts(IDocumentStore store, ISendEndpointProvider send, IOptions<PPOLearnerOptions> options) : IRolloutGenerator
{
    public const string PolicyDirectoryName = "rollout-policy";

    /// <summary>The request id of shard <paramref name="shard"/> of a step's rollouts: a function of job, step, policy hash and shard.</summary>
    public static Guid RequestId(Guid jobId, int step, string policyHash, int shard) => DeterministicIds.Create(jobId, $"rollouts:{step}:{policyHash}:{shard}");

    public async Task<IReadOnlyList<RolloutSample>> GenerateAsync(LocalTextModel policy, string policyHash, Guid jobId, int step,
        IReadOnlyList<RolloutPrompt> prompts, SamplingParameters sampling, string outputDirectory, CancellationToken ct)
    {
        // The step's prompts in shards, one request each, so that several Generator workers sample one step together.
        var shards = prompts.Select((p, row) => new RolloutPromptSpec(row, p.RenderedPrompt, p.Seed))
            .Chunk(Math.Max(1, options.Value.RolloutShardSize)).ToList();
        var answers = new RolloutsGenerated?[shards.Count];
        for (var i = 0; i < shards.Count; i++) answers[i] = await AnswerAsync(RequestId(jobId, step, policyHash, i), ct);
        if (answers.Any(a => a is null))
        {
            var directory = await PublishPolicyAsync(policy, policyHash, outputDirectory, ct);
            var commands = shards.Select((rows, i) => new GenerateRollouts(RequestId(jobId, step, policyHash, i), jobId, step, directory, policyHash, rows,
                sampling.Temperature, sampling.TopP, sampling.TopK, sampling.MaxNewTokens, sampling.StopSequences ?? [])).ToList();
            var endpoint = await send.GetSendEndpoint(CommandQueues.AddressFor(commands[0]));
            while (answers.Any(a => a is null))
            {
                for (var i = 0; i < commands.Count; i++)
                    if (answers[i] is null) await endpoint.Send(commands[i], ct);
                var deadline = DateTime.UtcNow.AddSeconds(Math.Max(1, options.Value.RolloutTimeoutSeconds));
                while (answers.Any(a => a is null) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, ct);
                    for (var i = 0; i < commands.Count; i++) answers[i] ??= await AnswerAsync(commands[i].RequestId, ct);
                }
            }
        }
        var rollouts = new List<GeneratedRollout>();
        for (var i = 0; i < shards.Count; i++)
        {
            var answer = answers[i]!;
            if (answer.PolicySha256 != policyHash)
                throw new InvalidOperationException(
                    $"job {jobId} step {step}: rollouts were sampled from weights {answer.PolicySha256}, not the policy {policyHash}");
            if (!answer.Rollouts.Select(r => r.Row).Order().SequenceEqual(shards[i].Select(r => r.Row)))
                throw new InvalidOperationException($"job {jobId} step {step}: shard {i} answered rows {string.Join(",", answer.Rollouts.Select(r => r.Row))}");
            rollouts.AddRange(answer.Rollouts);
        }
        return rollouts.OrderBy(r => r.Row).Select(r => new RolloutSample(prompts[r.Row].Index, r.PromptIds, r.ResponseIds, r.Text)).ToList();
    }

    private async Task<RolloutsGenerated?> AnswerAsync(Guid requestId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return (await query.Events.FetchStreamAsync(requestId, token: ct)).Select(e => e.Data).OfType<RolloutsGenerated>().FirstOrDefault();
    }

    /// <summary>Writes the policy's weights once per hash (renamed into place) and removes older ones of this job.</summary>
    private static async Task<string> PublishPolicyAsync(LocalTextModel policy, string policyHash, string outputDirectory, CancellationToken ct)
    {
        var root = Path.Combine(outputDirectory, PolicyDirectoryName);
        var directory = Path.Combine(root, policyHash);
        if (!Directory.Exists(directory))
        {
            var staging = directory + $".tmp-{Environment.ProcessId}";
            await TorchThread.RunAsync(() =>
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                policy.Architecture.Save(policy.Network, policy.Tokenizer, staging);
                return true;
            }, ct);
            var sha = RewardModel.FileSha256(staging);
            if (sha != policyHash) throw new InvalidOperationException($"policy written to {staging} hashes to {sha}, the weights to {policyHash}");
            Directory.Move(staging, directory);
        }
        foreach (var old in Directory.EnumerateDirectories(root).Where(d => d != directory && !d.Contains(".tmp-", StringComparison.Ordinal)))
        {
            try { Directory.Delete(old, recursive: true); }
            catch (IOException) { } // a worker may still be reading it; the next step retries
        }
        return directory;
    }
}
