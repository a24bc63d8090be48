package dev.migscope.ui.graph;

import javafx.geometry.Point2D;
import javafx.scene.paint.Color;
import javafx.scene.shape.ClosePath;
import javafx.scene.shape.FillRule;
import javafx.scene.shape.LineTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import javafx.scene.shape.QuadCurveTo;

/**
 * One arc of the graph as one node: the curve and its arrow head in a single path, styled by
 * {@code .arc-edge} (stroke for the line, fill for the head). The curve is there twice: an open
 * subpath is filled as if closed, and two identical ones cover the area under the curve an even
 * number of times, so the even-odd rule leaves it unfilled while the stroke draws the same
 * pixels (dashes too, both copies start at the same end). Only the head is filled.
 *
 * <p>The pointer picks a band around the curve as wide as the old separate hit path (and the area
 * under a bowed curve), not just the thin stroke: {@link #contains} asks a hit shape that is
 * never in the scene.
 */
final class ArcShape extends Path {

    private static final double ARROW = 11;
    /** Half of it either side of the curve picks the arc. */
    private static final double HIT_WIDTH = 10;

    private final Path hit;
    /** The midpoint of the curve, where a step number goes: B(0.5) of the quadratic Bezier. */
    private final Point2D middle;

    ArcShape(Point2D start, Point2D control, Point2D end) {
        Point2D back = end.subtract(control).normalize();
        Point2D side = new Point2D(back.getY(), -back.getX());
        Point2D base = end.subtract(back.multiply(ARROW));
        Point2D left = base.add(side.multiply(ARROW / 2));
        Point2D right = base.subtract(side.multiply(ARROW / 2));
        for (int copy = 0; copy < 2; copy++) {
            getElements().addAll(new MoveTo(start.getX(), start.getY()),
                    new QuadCurveTo(control.getX(), control.getY(), end.getX(), end.getY()));
        }
        getElements().addAll(new MoveTo(end.getX(), end.getY()), new LineTo(left.getX(), left.getY()),
                new LineTo(right.getX(), right.getY()), new ClosePath());
        setFillRule(FillRule.EVEN_ODD);

        hit = new Path(new MoveTo(start.getX(), start.getY()),
                new QuadCurveTo(control.getX(), control.getY(), end.getX(), end.getY()));
        hit.setFill(Color.TRANSPARENT);
        hit.setStroke(Color.TRANSPARENT);
        hit.setStrokeWidth(HIT_WIDTH);
        middle = start.multiply(0.25).add(control.multiply(0.5)).add(end.multiply(0.25));
    }

    Point2D middle() {
        return middle;
    }

    @Override
    public boolean contains(double localX, double localY) {
        return hit.contains(localX, localY) || super.contains(localX, localY);
    }
}
