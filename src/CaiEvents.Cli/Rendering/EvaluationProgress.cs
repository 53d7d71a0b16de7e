namespace CaiEvents.Cli.Rendering;

/// <summary>A policy evaluation's count of scored samples on one stderr line, ended when the last is scored.</summary>
internal static class EvaluationProgress
{
    public static void Show(int scored, int total)
    {
        Console.Error.Write($"\rppo eval: {scored}/{total}   ");
        if (scored == total) Console.Error.WriteLine();
    }
}
