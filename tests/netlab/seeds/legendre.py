import torch
import math

class LegendrePolynomial3(torch.autograd.Function):
    """
    我们可以通过继承 torch.autograd.Function 实现我们自定义自动求导函数,
    并实现操作在 Tensor 上的前向传播和反向传播。
    """
    
    @staticmethod
    def forward(ctx, input):
        """
        在前向传播中,我们接受一个包含输入的 Tensor 并返回包含输出的 Tensor。
        ctx 是一个上下文(context)对象,用来存放反向传播计算时用到的信息。
        你可以使用 ctx.save_for_backward 方法缓存任意对象以供反向传播使用。
        """
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)
    
    @staticmethod
    def backward(ctx, grad_output):
        """
        在反向传播中,我们接收一个张量,其持有 loss 关于输出的梯度,
        并且我们需要计算 loss 关于输入的梯度。
        """
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)
    
dtype = torch.float
device = torch.device("cpu")
# device = torch.device("cuda:0")  # 取消注释可以使用 GPU

# 创建输入输出 Tensor。
# 默认情况下,requires_grad=False 表明我们在反向传播时不需要计算这些 Tensor 的梯度。
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# 创建随机权重(weight)Tensor。在这个例子,我们需要 4 个权重:
# y = a + b * P3(c + d * x) 为保证收敛,这些权重需要被初始化成离正确结果不太远。
# 设置 requires_grad=True 表明我们在反向传播期间想要计算关于这些 Tensor 的梯度。
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(2000):
    # 为了应用(apply)我们的函数,我们使用 Function.apply
    # 并将这个函数取个别名 P3
    P3 = LegendrePolynomial3.apply
    
    # 前向传播:使用操作(operations)计算预测的 y。
    # 我们使用我们自定义的 autograd 操作计算 P3。
    y_pred = a + b * P3(c + d * x)
    
    # 计算并输出损失值(loss)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
        
    # 使用 autograd 计算反向传播。
    loss.backward()
    
    # 使用梯度下降更新权重
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        
        # 更新完权重后,手动清零梯度
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
        
print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
