using TorchSharp;
using static TorchSharp.torch;

namespace CaiEvents.Models.Training;

/// <summary>
/// Activation checkpointing of one decoder block as a custom autograd function: forward runs the block without building its graph
/// and saves only the input (and the tensors the block reads, such as the attention mask); backward restores the random-number state
/// of the forward pass (so dropout draws the same masks), runs the block again with gradients, and back-propagates the incoming
/// gradient through it, which adds the block's parameter gradients and yields the input's.
/// </summary>
public sealed class CheckpointedBlock : autograd.SingleTensorFunction<CheckpointedBlock>
{
    /// <summary>The block: its input and the context tensors (saved with the input) to its output.</summary>
    public delegate Tensor Body(Tensor input, IReadOnlyList<Tensor> context);

    private const string BodyKey = "body";
    private const string RngKey = "rng";

    public override string Name => nameof(CheckpointedBlock);

    /// <summary>
    /// The block's output, with a graph node that recomputes the block in backward. An input that needs no gradient (a frozen
    /// embedding) is made to need one, or the node would be left out of backward and the block's parameters would get no gradient.
    /// </summary>
    public static Tensor Run(Body body, Tensor input, IReadOnlyList<Tensor> context)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(input);
        var leaf = input.requires_grad ? input : input.detach().requires_grad_(true);
        return apply([leaf, .. context, body]);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var context = vars[1..^1].Cast<Tensor>().ToList();
        ctx.save_for_backward([input, .. context]);
        ctx.save_data(BodyKey, vars[^1]);
        using (var state = random.get_rng_state()) ctx.save_data(RngKey, state.data<byte>().ToArray());
        return ((Body)vars[^1])(input, context);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var body = (Body)ctx.get_data(BodyKey);
        var forwardState = (byte[])ctx.get_data(RngKey);
        Tensor inputGrad;
        using (var scope = NewDisposeScope())
        {
            var now = random.get_rng_state();
            random.set_rng_state(tensor(forwardState));
            try
            {
                using var grad = enable_grad();
                var input = saved[0].detach().requires_grad_(true);
                var output = body(input, saved.Skip(1).ToList());
                output.backward([grad_output]);
                inputGrad = input.grad!.detach().MoveToOuterDisposeScope();
            }
            finally
            {
                random.set_rng_state(now);
            }
        }
        var grads = new List<Tensor> { inputGrad };
        grads.AddRange(Enumerable.Repeat<Tensor>(null!, saved.Count)); // the context tensors and the body have no gradient
        return grads;
    }
}
