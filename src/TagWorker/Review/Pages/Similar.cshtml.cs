using Microsoft.AspNetCore.Mvc;
using TagWorker.Faces;

namespace TagWorker.Review.Pages;

public sealed class SimilarModel(ReviewStore store, Grouping grouping) : ReviewPageModel
{
    [BindProperty(SupportsGet = true)]
    public long Id { get; set; }

    public IReadOnlyList<SimilarFace> Faces { get; private set; } = [];
    public IReadOnlyList<SimilarPerson> People { get; private set; } = [];

    public IActionResult OnGet() =>
        Show(() =>
        {
            store.Face(Id);
            using var connection = store.Open();
            var embedding = SimilarFaces.EmbeddingOf(connection, Id)
                ?? throw ReviewException.Invalid("this face is too small to compare");
            var (faces, people) = SimilarFaces.Find(connection, grouping.Embedder, embedding, 60, Id);
            Faces = faces;
            People = people.Take(5).ToArray();
        });
}
