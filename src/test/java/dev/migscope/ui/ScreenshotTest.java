package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.testsupport.FakeBackend;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScreenshotTest {

    @ParameterizedTest
    @ValueSource(strings = {"light", "dark"})
    void rendersTheWindowToAPng(String theme) throws Exception {
        Path file = Path.of("target", "screenshots", "window-" + theme + ".png");
        Screenshot.render(file, FakeBackend.ALL, theme, FakeBackend.registry(FakeBackend.oneOfEachFeatureSet()));
        BufferedImage img = ImageIO.read(file.toFile());
        assertThat(img.getWidth()).isEqualTo((int) InspectorWindow.WIDTH);
        assertThat(img.getHeight()).isEqualTo((int) InspectorWindow.HEIGHT);
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 4) {
            for (int x = 0; x < img.getWidth(); x += 4) {
                colours.add(img.getRGB(x, y));
            }
        }
        // A blank or failed render has a handful of colours; the window with text, graph and charts has hundreds.
        assertThat(colours).hasSizeGreaterThan(200);
    }

    @Test
    void rendersTheShippedSimulatorMidSave() throws Exception {
        Path file = Path.of("target", "screenshots", "window-sim-mlx5-light.png");
        Screenshot.render(file, "sim:mlx5-0", "light");
        assertThat(ImageIO.read(file.toFile()).getWidth()).isEqualTo((int) InspectorWindow.WIDTH);
        Path dark = Path.of("target", "screenshots", "window-sim-mlx5-dark.png");
        Screenshot.render(dark, "sim:mlx5-0", "dark");
        assertThat(ImageIO.read(dark.toFile()).getHeight()).isEqualTo((int) InspectorWindow.HEIGHT);
    }

    @Test
    void anUnknownThemeIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> Screenshot.render(Path.of("target", "x.png"), null, "blue"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("light or dark");
    }
}
