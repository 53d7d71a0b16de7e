namespace CaiEvents.Models;

/// <summary>Runs inference in eval mode (no dropout) and puts back the training mode the caller had.</summary>
internal static class EvalMode
{
    public static T Run<T>(ICausalLanguageModel model, Func<T> work)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            return work();
        }
        finally
        {
            if (wasTraining)
            {
                model.train();
            }
        }
    }
}
