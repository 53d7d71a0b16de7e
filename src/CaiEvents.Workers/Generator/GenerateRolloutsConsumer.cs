using CaiEvents.Contracts;
using CaiEvents.Contracts.Commands;
using CaiEvents.Contracts.Events;
using CaiEvents.Models;
using CaiEvents.Workers.Common;
using Marten;
using MassTransit;

namespace CaiEvents.Workers.Generator;

/// <summary>
/// Samples one PPO step's rollouts for a learner in another process (<see cref="GenerateRollouts"/>): loads the policy
/// checkpoint the command names, samples with the command's seeds, and starts stream RequestId with
/// <see cref="RolloutsGenerated"/>, which records the sha256 of the weights actually loaded. A request whose stream exists
/// (a redelivery, or a racing duplicate) appends nothing.
/// </summary>
public sealed class GenerateRolloutsConsumer(IDocumentStore store, RolloutPolicyCache policies, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<GenerateRollouts>
{
    public async Task Consume(ConsumeContext<GenerateRollouts> context)
    {
        var command = context.Message;
        var ct = context.CancellationToken;
        if (await ExistsAsync(command.RequestId, ct)) return;
        var sampling = new SamplingParameters(command.Temperature, command.TopP, command.TopK, command.MaxNewTokens, command.StopSequences);
        var generated = await policies.UseAsync(command.PolicyDirectory, async model =>
        {
            var sequences = await model.GenerateTokensAsync(command.Prompts.Select(p => new GenerationRequest(p.RenderedPrompt, sampling, p.Seed)).ToList(),
                true, ct);
            return new RolloutsGenerated(command.RequestId, command.JobId, command.Step, model.Identity.CheckpointHash,
                command.Prompts.Select((p, i) => new GeneratedRollout(p.Row, sequences[i].PromptIds.ToArray(), sequences[i].TokenIds.ToArray(),
                    sequences[i].Text)).ToList(),
                worker.Instance, clock.GetUtcNow());
        }, ct);
        try
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream(command.RequestId, generated);
            await session.SaveChangesAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // A racing duplicate delivery may have answered first: then this one is a no-op.
            if (!await ExistsAsync(command.RequestId, ct)) throw;
        }
    }

    private async Task<bool> ExistsAsync(Guid requestId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.Events.FetchStreamStateAsync(requestId, ct) is not null;
    }
}
